mod test_cross_margin;
