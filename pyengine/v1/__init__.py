"""Generated protobuf stubs: run `make proto`."""
