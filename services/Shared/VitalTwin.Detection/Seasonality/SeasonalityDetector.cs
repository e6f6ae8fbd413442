namespace VitalTwin.Detection;

/// <summary>ML.NET's AnomalyDetection.DetectSeasonality: the dominant period of a series from its periodogram and autocorrelation.</summary>
public static class SeasonalityDetector
{
    private const int MaxLag = 400;
    private const int MinRecurrentCount = 8;
    private const double MinEnergyThreshold = 1e-10;

    // Coefficients of Wichura's AS241 probit, as in ML.NET's ProbabilityFunctions.
    private static readonly double[] ProbA =
    [
        3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3, 1.3731693765509461125e+4,
        4.5921953931549871457e+4, 6.7265770927008700853e+4, 3.3430575583588128105e+4, 2.5090809287301226727e+3,
    ];

    private static readonly double[] ProbB =
    [
        4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3, 2.1213794301586595867e+4,
        3.9307895800092710610e+4, 2.8729085735721942674e+4, 5.2264952788528545610e+3,
    ];

    private static readonly double[] ProbC =
    [
        1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
        1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4,
    ];

    private static readonly double[] ProbD =
    [
        2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1, 1.48103976427480074590e-1,
        1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9,
    ];

    private static readonly double[] ProbE =
    [
        6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
        2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
    ];

    private static readonly double[] ProbF =
    [
        5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2, 7.86869131145613259100e-4,
        1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15,
    ];

    /// <summary>Returns the period in points, or −1 when the series shows none.</summary>
    /// <param name="values">The series.</param>
    /// <param name="seasonalityWindowSize">Use only the first this many values (as in ML.NET, 0 still reads one); −1 for all.</param>
    /// <param name="randomnessThreshold">Confidence, in [0, 1], that the autocorrelation at the period is not noise.</param>
    /// <exception cref="ArgumentException">The series is empty or has a value that is not finite.</exception>
    public static int DetectSeasonality(ReadOnlySpan<double> values, int seasonalityWindowSize = -1, double randomnessThreshold = 0.95)
    {
        if (seasonalityWindowSize < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(seasonalityWindowSize), seasonalityWindowSize, "Must be -1 or at least 0.");
        }
        if (!(randomnessThreshold >= 0 && randomnessThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(randomnessThreshold), randomnessThreshold, "Must lie in [0, 1].");
        }
        if (values.IsEmpty)
        {
            throw new ArgumentException("The series is empty.", nameof(values));
        }

        int length = seasonalityWindowSize == -1 ? values.Length : Math.Min(values.Length, Math.Max(seasonalityWindowSize, 1));
        double[] re = values[..length].ToArray();
        double[] im = new double[length];
        foreach (double value in re)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException("Every value must be finite.", nameof(values));
            }
        }

        var fft = new ComplexFft(length);
        fft.Forward(re, im);

        // |F|² as System.Numerics.Complex computes F·conj(F): the imaginary part cancels exactly.
        double[] periodogram = new double[length];
        for (int i = 0; i < length; i++)
        {
            periodogram[i] = (re[i] * re[i]) - (im[i] * -im[i]);
        }
        (int bestFrequency, int secondFrequency) = FindBestTwoFrequencies(periodogram);

        // Autocorrelation as the inverse transform of the periodogram.
        periodogram.CopyTo(re, 0);
        Array.Clear(im);
        fft.Backward(re, im);
        double scale = 1.0 / length;
        for (int i = 0; i < length; i++)
        {
            re[i] *= scale;
        }

        int period = FindActualPeriod(re, bestFrequency, secondFrequency, randomnessThreshold);
        return period < 0 ? -1 : period;
    }

    private static int FindActualPeriod(double[] autocorrelation, int bestFrequency, int secondFrequency, double randomnessThreshold)
    {
        int firstPeriod = FindBestPeriod(autocorrelation, bestFrequency, out double firstEnergy);
        int secondPeriod = -1;
        double secondEnergy = -1;
        if (secondFrequency != -1)
        {
            secondPeriod = FindBestPeriod(autocorrelation, secondFrequency, out secondEnergy);
        }

        if (firstPeriod == -1 && secondPeriod == -1)
        {
            return -1;
        }

        int period;
        double energy;
        if (firstPeriod == -1 || (secondPeriod != -1 && secondPeriod != firstPeriod && secondEnergy > firstEnergy * 1.05))
        {
            period = secondPeriod;
            energy = secondEnergy;
        }
        else
        {
            period = firstPeriod;
            energy = firstEnergy;
        }

        // Testing for randomness with the correlogram: the normalised autocorrelation must clear Φ⁻¹(p)/√N.
        energy /= autocorrelation[0];
        double threshold = Probit(randomnessThreshold) / Math.Sqrt(autocorrelation.Length);
        if (energy < threshold || autocorrelation[period] < MinEnergyThreshold)
        {
            return -1;
        }
        return period;
    }

    // The strongest frequency in [1, N/2], and the strongest local maximum outside its period's neighbourhood if it
    // is well above the median and within a factor 10 of the best. As in ML.NET, the second energy is recorded as the
    // magnitude of the bin after the maximum.
    private static (int Best, int Second) FindBestTwoFrequencies(double[] periodogram)
    {
        int length = periodogram.Length;
        if (length < 2)
        {
            return (-1, -1);
        }

        int bestFrequency = -1;
        double bestEnergy = -1.0;
        double[] magnitudes = new double[length / 2];
        for (int i = 1; i < (length / 2) + 1; i++)
        {
            double weight = Math.Abs(periodogram[i]);
            magnitudes[i - 1] = weight;
            if (weight > bestEnergy)
            {
                bestEnergy = weight;
                bestFrequency = i;
            }
        }

        int period = length / bestFrequency;
        double lowerBound = length * 1.0 / (period + 1);
        double upperBound = length * 1.0 / (period - 1);

        int secondFrequency = -1;
        double secondEnergy = -1.0;
        for (int i = 1; i < (length / 2) + 1; i++)
        {
            if (i > lowerBound && i < upperBound)
            {
                continue;
            }

            double weight = Math.Abs(periodogram[i]);
            if (weight > secondEnergy)
            {
                double previous = Math.Abs(periodogram[i - 1]);
                double next = i < length - 1 ? Math.Abs(periodogram[i + 1]) : 0;
                if (weight >= previous && weight >= next)
                {
                    secondEnergy = next;
                    secondFrequency = i;
                }
            }
        }

        double typicalEnergy = Median(magnitudes);
        if (typicalEnergy * 6.0 < secondEnergy && secondEnergy * 10.0 > bestEnergy)
        {
            return (bestFrequency, secondFrequency);
        }
        return (bestFrequency, -1);
    }

    private static int FindBestPeriod(double[] autocorrelation, int frequency, out double energy)
    {
        energy = -1;
        if (frequency <= 1)
        {
            return -1;
        }

        int length = autocorrelation.Length;
        int lowerBound = length / (frequency + 1);
        int upperBound = length / (frequency - 1);
        int bestPeriod = -1;
        for (int i = lowerBound; i <= upperBound && i < length; i++)
        {
            if (autocorrelation[i] > energy)
            {
                energy = autocorrelation[i];
                bestPeriod = i;
            }
        }

        // Periods that are trivial, longer than any plausible one, or repeat fewer than 8 times are not periods.
        if (bestPeriod <= 1 || bestPeriod > MaxLag || length < MinRecurrentCount * bestPeriod)
        {
            energy = -1;
            return -1;
        }
        return bestPeriod;
    }

    // ML.NET's streaming MedianDblAggregator is exact: the middle value, or the mean of the two middle values.
    private static double Median(double[] values)
    {
        Array.Sort(values);
        int middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle] + values[middle - 1]) / 2;
    }

    // Wichura's AS241, accurate to about 1e-16.
    private static double Probit(double p)
    {
        double q = p - 0.5;
        double r;
        if (Math.Abs(q) <= 0.425)
        {
            r = 0.180625 - (q * q);
            return q * Polynomial(r, ProbA) / ((Polynomial(r, ProbB) * r) + 1.0);
        }

        r = Math.Sqrt(-Math.Log(q < 0 ? p : 1 - p));
        double result;
        if (r < 5)
        {
            r -= 1.6;
            result = Polynomial(r, ProbC) / ((Polynomial(r, ProbD) * r) + 1.0);
        }
        else
        {
            r -= 5;
            result = Polynomial(r, ProbE) / ((Polynomial(r, ProbF) * r) + 1.0);
        }
        return q >= 0 ? result : -result;
    }

    // Horner from the highest coefficient, as ML.NET writes it out.
    private static double Polynomial(double x, double[] coefficients)
    {
        double result = coefficients[^1];
        for (int i = coefficients.Length - 2; i >= 0; i--)
        {
            result = (result * x) + coefficients[i];
        }
        return result;
    }
}
