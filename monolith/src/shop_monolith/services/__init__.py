"""Services: the shop's use cases as transaction scripts. Each write use case commits once."""
