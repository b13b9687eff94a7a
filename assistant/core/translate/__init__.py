"""Questions and answers in the user's language, offline: OPUS-MT models run by CTranslate2."""
