using System.Buffers.Binary;

namespace KerasPort.Benchmarks.Onnx;

// The ONNX messages this project writes, with the field numbers of onnx.proto (proto2). Only the fields used here
// are modelled; everything else keeps its default by being absent.

/// <summary>TensorProto.DataType values used here.</summary>
internal enum OnnxDataType
{
    Float = 1,
    Int64 = 7,
}

/// <summary>TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian, fixed width).</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, OnnxDataType DataType, byte[] RawData)
{
    public static OnnxTensor FromFloats(string name, long[] dims, ReadOnlySpan<float> values)
    {
        CheckCount(name, dims, values.Length);
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        return new OnnxTensor(name, dims, OnnxDataType.Float, raw);
    }

    public static OnnxTensor FromInt64s(string name, long[] dims, ReadOnlySpan<long> values)
    {
        CheckCount(name, dims, values.Length);
        var raw = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        return new OnnxTensor(name, dims, OnnxDataType.Int64, raw);
    }

    private static void CheckCount(string name, long[] dims, int count)
    {
        long n = 1;
        foreach (var d in dims) n *= d;
        if (n != count) throw new ArgumentException($"tensor '{name}': dims [{string.Join(", ", dims)}] need {n} values, got {count}");
    }

    public void Write(ProtoWriter w)
    {
        foreach (var d in Dims) w.Int64(1, d); // repeated int64 dims = 1 (not packed in proto2)
        w.Int64(2, (int)DataType);
        w.String(8, Name);
        w.Bytes(9, RawData);
    }
}

/// <summary>AttributeProto: name = 1, f = 2, i = 3, s = 4, floats = 7, ints = 8, strings = 9, type = 20.</summary>
internal sealed record OnnxAttribute
{
    private enum AttributeType { Float = 1, Int = 2, String = 3, Ints = 7, Strings = 8 }

    private OnnxAttribute(string name, AttributeType type) { Name = name; Type = type; }

    public string Name { get; }
    private AttributeType Type { get; }
    private long IntValue { get; init; }
    private float FloatValue { get; init; }
    private string StringValue { get; init; } = "";
    private long[] IntsValue { get; init; } = [];
    private string[] StringsValue { get; init; } = [];

    public static OnnxAttribute Int(string name, long value) => new(name, AttributeType.Int) { IntValue = value };
    public static OnnxAttribute Float(string name, float value) => new(name, AttributeType.Float) { FloatValue = value };
    public static OnnxAttribute String(string name, string value) => new(name, AttributeType.String) { StringValue = value };
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, AttributeType.Ints) { IntsValue = values };
    public static OnnxAttribute Strings(string name, params string[] values) => new(name, AttributeType.Strings) { StringsValue = values };

    public void Write(ProtoWriter w)
    {
        w.String(1, Name);
        w.Int64(20, (int)Type);
        switch (Type)
        {
            case AttributeType.Float: w.Float(2, FloatValue); break;
            case AttributeType.Int: w.Int64(3, IntValue); break;
            case AttributeType.String: w.String(4, StringValue); break;
            case AttributeType.Ints: foreach (var v in IntsValue) w.Int64(8, v); break;
            case AttributeType.Strings: foreach (var v in StringsValue) w.String(9, v); break;
        }
    }
}

/// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5. An empty name marks an omitted optional input/output.</summary>
internal sealed record OnnxNode(string OpType, string Name, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes)
{
    public void Write(ProtoWriter w)
    {
        foreach (var i in Inputs) w.String(1, i);
        foreach (var o in Outputs) w.String(2, o);
        w.String(3, Name);
        w.String(4, OpType);
        foreach (var a in Attributes) w.Message(5, a.Write);
    }
}

/// <summary>
/// ValueInfoProto (name = 1, type = 2) of a float/int tensor: TypeProto.tensor_type = 1 → Tensor (elem_type = 1,
/// shape = 2) → TensorShapeProto.dim = 1 → Dimension.dim_value = 1.
/// </summary>
internal sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, long[] Shape)
{
    public void Write(ProtoWriter w)
    {
        w.String(1, Name);
        w.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Int64(1, (int)ElementType);
            tensor.Message(2, shape =>
            {
                foreach (var d in Shape) shape.Message(1, dim => dim.Int64(1, d));
            });
        }));
    }
}

/// <summary>GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.</summary>
internal sealed class OnnxGraph(string name)
{
    public string Name { get; } = name;
    public List<OnnxNode> Nodes { get; } = [];
    public List<OnnxTensor> Initializers { get; } = [];
    public List<OnnxValueInfo> Inputs { get; } = [];
    public List<OnnxValueInfo> Outputs { get; } = [];

    public void Write(ProtoWriter w)
    {
        foreach (var n in Nodes) w.Message(1, n.Write);
        w.String(2, Name);
        foreach (var t in Initializers) w.Message(5, t.Write);
        foreach (var i in Inputs) w.Message(11, i.Write);
        foreach (var o in Outputs) w.Message(12, o.Write);
    }
}

/// <summary>
/// ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7, opset_import = 8
/// (OperatorSetIdProto: domain = 1, version = 2; the default domain is written as absent).
/// </summary>
internal sealed class OnnxModel(OnnxGraph graph, int opsetVersion)
{
    /// <summary>IR version 8 (ONNX 1.10+), enough for opset 14 and understood by every current ONNX Runtime.</summary>
    public const long IrVersion = 8;

    public OnnxGraph Graph { get; } = graph;
    public int OpsetVersion { get; } = opsetVersion;

    public byte[] Serialize()
    {
        var w = new ProtoWriter();
        w.Int64(1, IrVersion);
        w.String(2, "KerasPort.Benchmarks");
        w.String(3, "1");
        w.Message(7, Graph.Write);
        w.Message(8, opset => opset.Int64(2, OpsetVersion));
        return w.ToArray();
    }
}
