Info = provider()
