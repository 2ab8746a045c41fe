"""Commands of this stage are added to the shared apps in adequa.cli._apps."""
