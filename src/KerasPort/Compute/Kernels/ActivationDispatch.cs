using System.Numerics;

namespace KerasPort.Compute.Kernels;

/// <summary>Receives the operator struct that implements an <see cref="Activation"/> (double dispatch, so the
/// consumer is compiled once per operator with everything inlined).</summary>
internal interface IActivationVisitor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Called with the operator for the activation.</summary>
    void Visit<TOp>(TOp op) where TOp : struct, IUnaryOp<T>;
}

/// <summary>Maps an <see cref="Activation"/> to its operator struct.</summary>
internal static class ActivationDispatch
{
    /// <summary>Calls <paramref name="visitor"/> with the operator for <paramref name="activation"/> (element-wise kinds only).</summary>
    public static void Visit<T, TVisitor>(in Activation activation, ref TVisitor visitor)
        where T : unmanaged, IFloatingPointIeee754<T> where TVisitor : IActivationVisitor<T>, allows ref struct
    {
        switch (activation.Kind)
        {
            case ActivationKind.Linear: visitor.Visit(new LinearOp<T>()); break;
            case ActivationKind.Relu:
                if (activation.Alpha == 0 && activation.MaxValue is null && activation.Threshold == 0) visitor.Visit(new ReluOp<T>());
                else visitor.Visit(new ReluGeneralOp<T>(T.CreateTruncating(activation.Alpha),
                    activation.MaxValue is { } mv ? T.CreateTruncating(mv) : null, T.CreateTruncating(activation.Threshold)));
                break;
            case ActivationKind.Relu6: visitor.Visit(new Relu6Op<T>()); break;
            case ActivationKind.LeakyRelu: visitor.Visit(new LeakyReluOp<T>(T.CreateTruncating(activation.Alpha))); break;
            case ActivationKind.HardSigmoid: visitor.Visit(new HardSigmoidOp<T>()); break;
            case ActivationKind.HardSigmoidKeras3: visitor.Visit(new HardSigmoidKeras3Op<T>()); break;
            case ActivationKind.HardSilu: visitor.Visit(new HardSiluOp<T>()); break;
            case ActivationKind.Softsign: visitor.Visit(new SoftsignOp<T>()); break;
            case ActivationKind.Sigmoid: visitor.Visit(new SigmoidOp<T>()); break;
            case ActivationKind.Tanh: visitor.Visit(new TanhOp<T>()); break;
            case ActivationKind.Exponential: visitor.Visit(new ExpOp<T>()); break;
            case ActivationKind.Softplus: visitor.Visit(new SoftplusOp<T>()); break;
            case ActivationKind.Swish: visitor.Visit(new SwishOp<T>()); break;
            case ActivationKind.Mish: visitor.Visit(new MishOp<T>()); break;
            case ActivationKind.Elu: visitor.Visit(new EluOp<T>(double.CreateTruncating(T.CreateTruncating(activation.Alpha)), 1.0)); break;
            case ActivationKind.Selu: visitor.Visit(new EluOp<T>(ActivationReference.SeluAlpha, ActivationReference.SeluScale)); break;
            case ActivationKind.Gelu: visitor.Visit(new GeluOp<T>()); break;
            case ActivationKind.GeluTanh: visitor.Visit(new GeluTanhOp<T>()); break;
            default: throw new ArgumentException($"{activation.Kind} is not an element-wise activation.", nameof(activation));
        }
    }
}
