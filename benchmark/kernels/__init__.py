"""benchmark/kernels"""
