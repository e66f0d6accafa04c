"""The quiz's contract: each answer and its test case (written by `autograder quiz import`)."""
from autograder.grading.contract import Clause

CONTRACT = (
    Clause("answer_1", 'the number of the right choice', ("test_question[1]",)),
    Clause("answer_2", "what the program prints, or 'error'", ("test_question[2]",)),
    Clause("answer_3", 'the number of the right choice', ("test_question[3]",)),
    Clause("answer_4", 'the number of the right choice', ("test_question[4]",)),
    Clause("answer_5", "what the program prints, or 'error'", ("test_question[5]",)),
    Clause("answer_6", 'the number of the right choice', ("test_question[6]",)),
    Clause("answer_7", 'a list of the numbers of the right choices', ("test_question[7]",)),
    Clause("answer_8", 'the number of the right choice', ("test_question[8]",)),
    Clause("answer_9", 'the number of the right choice', ("test_question[9]",)),
    Clause("answer_10", "what the program prints, or 'error'", ("test_question[10]",)),
    Clause("answer_11", 'a short string', ("test_question[11]",)),
    Clause("answer_12", 'a list of the numbers of the right choices', ("test_question[12]",)),
)
