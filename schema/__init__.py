"""The GraphQL API: types, inputs, permissions, query limits and the Starlette app."""
