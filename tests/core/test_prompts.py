from assistant.core.model.prompts import (
    MAX_QUESTION_CHARS,
    Turn,
    chat_prompt,
    clean_answer,
    fit_chat,
    fit_prefix,
    question_prompt,
)


def words(text: str) -> int:
    return len(text.split())


def test_question_format_is_the_model_cards():
    assert question_prompt("What is a dinosaur holding?") == "Question: What is a dinosaur holding? Answer:"


def test_chat_format_matches_the_seed_post_exactly():
    context = [Turn("What is a dinosaur holding?", "a torch"), Turn("Where are they?", "In the woods.")]
    assert chat_prompt(context, "What for?") == (
        "Question: What is a dinosaur holding? Answer: a torch. Question: Where are they? "
        "Answer: In the woods.. Question: What for? Answer:"
    )


def test_chat_without_history_is_a_plain_question():
    assert chat_prompt([], "  is there\n a person? ") == "Question: is there a person? Answer:"


def test_oldest_turns_are_dropped_first():
    history = [Turn(f"question {i}", f"answer {i}") for i in range(50)]
    fitted = fit_chat(history, "and now?", words, budget=40)
    assert words(fitted.text) <= 40
    assert fitted.dropped_turns > 0
    assert "question 49" in fitted.text and "question 0 " not in fitted.text
    assert fitted.text.endswith("Question: and now? Answer:")
    assert not fitted.question_shortened


def test_an_overlong_question_is_shortened_from_the_end_and_never_raises():
    question = "what does the red button say " + "please " * 5000
    fitted = fit_chat([Turn("a", "b")], question, words, budget=20)
    assert words(fitted.text) <= 20
    assert fitted.text.startswith("Question: what does the red button say")
    assert fitted.question_shortened and fitted.dropped_turns == 1


def test_a_single_giant_word_is_cut_by_characters():
    fitted = fit_chat([], "x" * 10_000, lambda t: len(t) // 4, budget=50)
    assert len(fitted.text) // 4 <= 50 and fitted.question_shortened


def test_question_longer_than_the_hard_cap_is_reported_shortened_even_if_it_fits():
    fitted = fit_chat([], "y " * MAX_QUESTION_CHARS, lambda t: 1, budget=50)
    assert fitted.question_shortened


def test_prefix_is_kept_when_it_fits_and_cut_when_not():
    assert fit_prefix("this is a cartoon of", words, 10).text == "this is a cartoon of"
    cut = fit_prefix("this is a cartoon of " * 10, words, 5)
    assert cut.text == "this is a cartoon of" and cut.question_shortened


def test_clean_answer_strips_echo_labels_and_invented_next_turns():
    assert clean_answer("  a torch \n") == "a torch"
    assert clean_answer("Question: x? Answer: a torch", "Question: x? Answer:") == "a torch"
    assert clean_answer("Answer: a torch. Question: what else? Answer: fire") == "a torch."
    assert clean_answer("   ") == ""


def test_the_text_found_comes_first_and_takes_at_most_a_third_of_the_budget():
    fitted = fit_chat([], "what does it say?", words, budget=60, context="Sign in ; Save changes")
    assert fitted.text == "Text in the image: Sign in ; Save changes. Question: what does it say? Answer:"
    long_text = " ".join(f"word{i}" for i in range(500))
    history = [Turn(f"question {i}", f"answer {i}") for i in range(10)]
    fitted = fit_chat(history, "and now?", words, budget=60, context=long_text)
    assert words(fitted.text) <= 60 and "word0 " in fitted.text and "word30" not in fitted.text
    assert fitted.text.endswith("Question: and now? Answer:") and not fitted.question_shortened
