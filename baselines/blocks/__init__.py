"""baselines/blocks"""
