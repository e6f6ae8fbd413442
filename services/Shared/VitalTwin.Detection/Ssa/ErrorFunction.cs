namespace VitalTwin.Detection;

/// <summary>How an SSA detector turns an observed value a and the model's prediction p into a raw score.</summary>
public enum ErrorFunction
{
    /// <summary>a − p.</summary>
    SignedDifference,

    /// <summary>|a − p|.</summary>
    AbsoluteDifference,

    /// <summary>(a − p)/p, or 0 when p = 0.</summary>
    SignedProportion,

    /// <summary>|(a − p)/p|, or 0 when p = 0.</summary>
    AbsoluteProportion,

    /// <summary>(a − p)².</summary>
    SquaredDifference,
}

internal static class ErrorFunctions
{
    public static double Apply(ErrorFunction function, double actual, double predicted) => function switch
    {
        ErrorFunction.SignedDifference => actual - predicted,
        ErrorFunction.AbsoluteDifference => Math.Abs(actual - predicted),
        ErrorFunction.SignedProportion => predicted == 0 ? 0 : (actual - predicted) / predicted,
        ErrorFunction.AbsoluteProportion => predicted == 0 ? 0 : Math.Abs((actual - predicted) / predicted),
        _ => (actual - predicted) * (actual - predicted),
    };
}
