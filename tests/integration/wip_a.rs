mod test_order_types;
