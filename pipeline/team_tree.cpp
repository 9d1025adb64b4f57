// Written by the pipeline module's author.
