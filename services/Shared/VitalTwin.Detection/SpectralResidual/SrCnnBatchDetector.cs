namespace VitalTwin.Detection;

/// <summary>
/// Spectral Residual over a whole series, batch by batch: ML.NET's DetectEntireAnomalyBySrCnn. Each batch is scored
/// on its own, after removing a known period if one is given. A last batch shorter than 12 points is scored together
/// with the end of the batch before it.
/// </summary>
public static class SrCnnBatchDetector
{
    /// <summary>The fewest points a batch (and the series) may have.</summary>
    public const int MinBatchSize = 12;

    /// <summary>The overload with ML.NET's DetectEntireAnomalyBySrCnn(threshold, batchSize, sensitivity, detectMode) defaults.</summary>
    /// <exception cref="ArgumentException">Fewer than 12 values, or a value that is not finite.</exception>
    public static SrCnnBatchPoint[] Detect(
        ReadOnlySpan<double> values,
        double threshold = 0.3,
        int batchSize = 1024,
        double sensitivity = 99,
        SrCnnDetectMode detectMode = SrCnnDetectMode.AnomalyOnly) =>
        Detect(values, new SrCnnBatchOptions
        {
            Threshold = threshold,
            BatchSize = batchSize,
            Sensitivity = sensitivity,
            DetectMode = detectMode,
        });

    /// <exception cref="ArgumentException">Fewer than 12 values, or a value that is not finite.</exception>
    public static SrCnnBatchPoint[] Detect(ReadOnlySpan<double> values, SrCnnBatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        if (values.Length < MinBatchSize)
        {
            throw new ArgumentException($"The series must contain at least {MinBatchSize} points.", nameof(values));
        }
        foreach (double value in values)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException("Every value must be finite.", nameof(values));
            }
        }

        var modeler = new SrCnnBatchModeler(options);
        var results = new SrCnnBatchPoint[values.Length];
        int size = options.BatchSize == -1 ? values.Length : options.BatchSize;
        for (int start = 0; start < values.Length; start += size)
        {
            int count = Math.Min(size, values.Length - start);
            if (count >= MinBatchSize)
            {
                modeler.Score(values.Slice(start, count), results.AsSpan(start, count));
                continue;
            }

            // The previous batch was full, so the last `size` points end with this short batch. (ML.NET then reads
            // the results of a short last batch at row position modulo its length, which misaligns them unless that
            // length divides the position of its first row; here each row gets its own result.)
            var merged = new SrCnnBatchPoint[size];
            modeler.Score(values.Slice(start + count - size, size), merged);
            merged.AsSpan(size - count).CopyTo(results.AsSpan(start, count));
        }
        return results;
    }

    private static void Validate(SrCnnBatchOptions options)
    {
        if (options.Period < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Period, "Period must be 0 or more.");
        }
        if (options.BatchSize != -1 && options.BatchSize < MinBatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, $"BatchSize must be -1 or at least {MinBatchSize}.");
        }
        if (options.BatchSize != -1 && options.Period > 0 && options.BatchSize < 4L * options.Period)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least four periods.");
        }
        if (!(options.Threshold >= 0 && options.Threshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Threshold, "Threshold must lie in [0, 1].");
        }
        if (!(options.Sensitivity >= 0 && options.Sensitivity <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Sensitivity, "Sensitivity must lie in [0, 100].");
        }
        DetectorArguments.ThrowIfNotDefined(options.DetectMode, nameof(options));
        DetectorArguments.ThrowIfNotDefined(options.DeseasonalityMode, nameof(options));
    }
}
