"""Every layer the challenge uses, my_cos included, against torch.autograd."""
from autograder.graders.layer_checks import *  # noqa: F401,F403 (the shared checks, collected here)
from autograder.graders.layer_checks import parametrize_layers
from autograder.graders.layer_specs import MULTIPLICATION_WEIGHT, MY_COS, MY_EXP


def pytest_generate_tests(metafunc):
    parametrize_layers(metafunc, [MY_COS, MULTIPLICATION_WEIGHT, MY_EXP])
