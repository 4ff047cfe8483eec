"""The build pipeline: build context, wheelhouse, image build, container test, push."""
