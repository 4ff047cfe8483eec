"""The build server: `pixel build` hands its build to a resident `pixel` process.

``identity`` says which server may take a build (same code, environment, settings, store
and folder) and where it listens; ``client`` finds or starts it and follows the build;
``server`` runs builds on its own App; ``wire`` is what they say to each other.
"""
