"""The database: tables, engines, repositories, the unit of work and read queries."""
