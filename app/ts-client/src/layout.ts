// Byte offsets of account fields, computed from the IDL's types (so getProgramAccounts memcmp
// filters never hard-code an offset). Keel's accounts are zero-copy `repr(C)` structs with
// explicit padding, so their bytes are the IDL fields laid end to end after the discriminator.

import { Idl, IdlType } from "@anchor-lang/core";
import { IDL } from "./generated/keel";

const DISCRIMINATOR = 8;
const PRIMITIVES: Record<string, number> = {
  bool: 1, u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4,
  u64: 8, i64: 8, f64: 8, u128: 16, i128: 16, u256: 32, i256: 32, pubkey: 32,
};

type Fields = { name: string; type: IdlType }[];

function structFields(idl: Idl, name: string): Fields {
  const def = idl.types?.find((t) => t.name === name);
  if (!def || def.type.kind !== "struct" || !Array.isArray(def.type.fields)) {
    throw new Error(`${name} is not a struct with named fields in the IDL`);
  }
  return def.type.fields as Fields;
}

/** The size in bytes of a fixed-size IDL type. */
export function typeSize(type: IdlType, idl: Idl = IDL as unknown as Idl): number {
  if (typeof type === "string") {
    const size = PRIMITIVES[type];
    if (size === undefined) throw new Error(`${type} has no fixed size`);
    return size;
  }
  if ("array" in type) {
    const [inner, length] = type.array;
    if (typeof length !== "number") throw new Error("generic array length");
    return typeSize(inner, idl) * length;
  }
  if ("defined" in type) {
    return structFields(idl, type.defined.name).reduce((sum, f) => sum + typeSize(f.type, idl), 0);
  }
  throw new Error(`${JSON.stringify(type)} has no fixed size`);
}

/** The offset of `field` in the data of account type `account` (camelCase names), discriminator included. */
export function fieldOffset(account: string, field: string, idl: Idl = IDL as unknown as Idl): number {
  let offset = DISCRIMINATOR;
  for (const f of structFields(idl, account)) {
    if (f.name === field) return offset;
    offset += typeSize(f.type, idl);
  }
  throw new Error(`${account} has no field ${field}`);
}

/** The data size of account type `account`, discriminator included. */
export function accountSize(account: string, idl: Idl = IDL as unknown as Idl): number {
  return DISCRIMINATOR + typeSize({ defined: { name: account } }, idl);
}
