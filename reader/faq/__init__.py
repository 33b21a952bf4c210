"""The language-model FAQ about a paper (Cool Papers' [Kimi] button): client.py (openai,
pure), prompt.py (pure), services.py (write), selectors.py (read), views.py, urls.py,
tasks.py (queue `llm`), admin.py, checks.py; the PaperFaq model lives in reader/models.py."""
