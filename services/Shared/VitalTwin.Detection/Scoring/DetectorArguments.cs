namespace VitalTwin.Detection;

internal static class DetectorArguments
{
    public static void ThrowIfNotConfidence(double confidence, string paramName)
    {
        if (!(confidence > 0 && confidence < 100))
        {
            throw new ArgumentOutOfRangeException(paramName, confidence, "Confidence must lie strictly between 0 and 100.");
        }
    }

    public static void ThrowIfNotDefined<TEnum>(TEnum value, string paramName)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Undefined {typeof(TEnum).Name}.");
        }
    }
}
