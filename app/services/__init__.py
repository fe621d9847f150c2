"""Domain logic as plain functions: take ids and plain data, raise DomainError, own the transaction."""
