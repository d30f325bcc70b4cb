mod test_book_limits;
