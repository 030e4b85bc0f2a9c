using KerasPort.Model;

namespace KerasPort.Tests.Model;

/// <summary>The public <see cref="WeightTensor"/> constructor: a shape and its data must agree, dimension by dimension.</summary>
public class WeightTensorTests
{
    [Fact]
    public void Two_negative_dimensions_whose_product_matches_the_data_are_refused_by_name()
    {
        // (-2)·(-4) = 8 values: the element count alone would accept this shape
        var e = Assert.Throws<ShapeMismatchException>(() => new WeightTensor("lstm/kernel:0", [-2, -4], new double[8]));
        Assert.Contains("lstm/kernel:0", e.Message);
        Assert.Contains("[-2, -4]", e.Message);
        Assert.Contains("negative", e.Message);
    }

    [Fact]
    public void Data_that_does_not_fill_the_shape_is_refused_with_both_counts()
    {
        var e = Assert.Throws<ShapeMismatchException>(() => new WeightTensor("dense/bias:0", [3, 4], new double[11]));
        Assert.Contains("dense/bias:0", e.Message);
        Assert.Contains("12", e.Message);
        Assert.Contains("11", e.Message);
    }

    [Fact]
    public void A_consistent_shape_keeps_its_values_and_prints_as_keras_does()
    {
        var t = new WeightTensor("model/dense/kernel:0", [2, 3], [1, 2, 3, 4, 5, 6]);
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(6.0, t.Data[5]);
        Assert.Equal("(2, 3)", t.ShapeText);
        Assert.Equal("kernel", t.ShortName);
        Assert.Equal("(5,)", new WeightTensor("b", [5], new double[5]).ShapeText);
        Assert.Empty(new WeightTensor("empty", [0, 4], []).Data);
    }
}
