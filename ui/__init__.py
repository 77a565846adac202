"""Front ends: the command line (``ui.cli``) and the Gradio web app (``ui.web``)."""
