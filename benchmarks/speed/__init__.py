"""Speed: epochs and optimizer steps against a plain loop, fused training, streaming, set-up, ONNX."""
