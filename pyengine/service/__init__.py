"""The gRPC face of the engine: thin servicers over `pyengine.runtime`, and the server."""
