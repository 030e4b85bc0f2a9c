namespace KerasPort;

/// <summary>The element type a model computes in, chosen at load time.</summary>
public enum ComputeType
{
    /// <summary>float32, as Keras computes by default.</summary>
    Float32,
    /// <summary>float64: for models saved with dtype float64, or for extra precision.</summary>
    Float64,
}
