namespace VitalTwin.Detection;

// ML.NET's Deseasonality.cs: subtract a per-phase mean or median, or keep the STL residual.
internal static class Deseasonalizer
{
    // `result` starts as a copy of `values` and ends as the series with the period removed.
    public static void Remove(SrCnnDeseasonalityMode mode, double[] values, int period, double[] result)
    {
        switch (mode)
        {
            case SrCnnDeseasonalityMode.Mean:
                SubtractMean(values, period, result);
                break;
            case SrCnnDeseasonalityMode.Median:
                SubtractMedian(values, period, result);
                break;
            default:
                // ML.NET falls back to the median when STL fails; it throws where a phase has under 3 points,
                // which falls back too here.
                if (!Stl.TryResidual(values, period, result))
                {
                    SubtractMedian(values, period, result);
                }
                break;
        }
    }

    private static void SubtractMean(double[] values, int period, double[] result)
    {
        double[] component = new double[period];
        for (int i = 0; i < values.Length; i++)
        {
            component[i % period] += values[i];
        }

        int cycles = (values.Length - 1) / period;
        int rest = (values.Length - 1) % period;
        for (int i = 0; i < period; i++)
        {
            component[i] /= cycles + (i <= rest ? 1 : 0);
        }

        for (int i = 0; i < values.Length; i++)
        {
            result[i] -= component[i % period];
        }
    }

    // ML.NET's QuickMedian selects the element of rank count/2: the upper median when the count is even.
    private static void SubtractMedian(double[] values, int period, double[] result)
    {
        double[] component = new double[period];
        var phase = new List<double>(values.Length / period + 1);
        for (int p = 0; p < period; p++)
        {
            phase.Clear();
            for (int i = p; i < values.Length; i += period)
            {
                phase.Add(values[i]);
            }
            phase.Sort();
            component[p] = phase.Count == 0 ? double.NaN : phase[phase.Count / 2];
        }

        for (int i = 0; i < values.Length; i++)
        {
            result[i] -= component[i % period];
        }
    }
}
