"""synth/sources"""
