mod test_funding;
mod test_perp_property;
