"""The FastAPI app: the catalog's routes of the shop's contract (contract/openapi.yaml)."""
