"""my_composition through chains of the student's layers, against torch.autograd."""
from autograder.graders.composition_checks import *  # noqa: F401,F403 (the shared checks, collected here)
from autograder.graders.composition_checks import parametrize_chains
from autograder.graders.layer_specs import ADD_BIAS, MULTIPLICATION_WEIGHT, MY_EXP

CHAINS = {
    "course": [MULTIPLICATION_WEIGHT, ADD_BIAS, MY_EXP],
    "repeated": [MULTIPLICATION_WEIGHT, ADD_BIAS, MULTIPLICATION_WEIGHT, ADD_BIAS, MY_EXP],
    "exp_inside": [MULTIPLICATION_WEIGHT, MY_EXP, MULTIPLICATION_WEIGHT, ADD_BIAS],
}


def pytest_generate_tests(metafunc):
    parametrize_chains(metafunc, CHAINS, step_chain="repeated")
