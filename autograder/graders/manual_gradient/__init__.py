"""Hidden graders of the manual gradient assignment, run in this order."""
TEST_FILES = ["test_autograd_basics.py", "test_gradients.py", "test_fits.py"]
