# Never evaluated: the analysis tests only declare this file as an input.
{ system, config, overlays }: { }
