"""Hidden graders of the challenge, run in this order."""
TEST_FILES = ["test_layers.py", "test_composition.py", "test_fit.py"]
