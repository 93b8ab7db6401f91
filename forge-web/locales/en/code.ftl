# English catalogue: the code browser (repository home, tree, files, history, commits, branches, tags).
