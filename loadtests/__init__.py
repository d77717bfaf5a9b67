"""The peak-rush locust load test of the gRPC service (`make loadtest`; README, "Load test and
benchmarks")."""
