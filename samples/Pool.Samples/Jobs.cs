namespace Pool.Samples;
