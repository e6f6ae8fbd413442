namespace VitalTwin.Detection;

// What the SSA spike and change-point detectors share (DETECTORS.md §1.3): buffer the first TrainingWindowSize
// finite values, train the SSA model on them, then score each value by its error against the model's prediction.
internal sealed class SsaDetectorCore
{
    private float[] _training;
    private int _trainingCount;
    private SsaModel? _model;

    public SsaDetectorCore(int trainingWindowSize, int seasonalityWindowSize, ErrorFunction errorFunction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seasonalityWindowSize, 2);
        if (trainingWindowSize <= 2L * seasonalityWindowSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(trainingWindowSize), trainingWindowSize, "The training window must be longer than twice the seasonality window.");
        }

        DetectorArguments.ThrowIfNotDefined(errorFunction, nameof(errorFunction));

        TrainingWindowSize = trainingWindowSize;
        SeasonalityWindowSize = seasonalityWindowSize;
        ErrorFunction = errorFunction;
        _training = new float[trainingWindowSize];
    }

    private SsaDetectorCore(int trainingWindowSize, int seasonalityWindowSize, ErrorFunction errorFunction, SsaModel model)
    {
        TrainingWindowSize = trainingWindowSize;
        SeasonalityWindowSize = seasonalityWindowSize;
        ErrorFunction = errorFunction;
        _training = [];
        _model = model;
    }

    public int TrainingWindowSize { get; }

    public int SeasonalityWindowSize { get; }

    public ErrorFunction ErrorFunction { get; }

    public bool IsTrained => _model is not null;

    public int Rank => _model?.Rank ?? 0;

    public double ExpectedValue { get; private set; } = double.NaN;

    // ML.NET's Fit: train on the first TrainingWindowSize values of a series, ignoring NaN (and here infinities too).
    public void TrainOn(ReadOnlySpan<float> series, string paramName)
    {
        foreach (float value in series)
        {
            if (_trainingCount == TrainingWindowSize)
            {
                break;
            }

            if (float.IsFinite(value))
            {
                _training[_trainingCount++] = value;
            }
        }

        if (_trainingCount < TrainingWindowSize)
        {
            throw new ArgumentException($"Training needs {TrainingWindowSize} finite values; the series has {_trainingCount}.", paramName);
        }

        Train();
    }

    // False while the value only went into the training buffer.
    public bool TryRawScore(float value, out double rawScore)
    {
        if (_model is null)
        {
            if (float.IsFinite(value))
            {
                _training[_trainingCount++] = value;
                if (_trainingCount == TrainingWindowSize)
                {
                    Train();
                }
            }

            ExpectedValue = double.NaN;
            rawScore = double.NaN;
            return false;
        }

        double expected = _model.Next;
        ExpectedValue = expected;
        rawScore = ErrorFunctions.Apply(ErrorFunction, value, expected);

        // ML.NET feeds infinities to the model, which then predicts NaN for good; they are skipped like NaN instead.
        if (float.IsFinite(value))
        {
            _model.Consume(value);
        }

        return true;
    }

    public void WriteState(BinaryWriter writer)
    {
        writer.Write(TrainingWindowSize);
        writer.Write(SeasonalityWindowSize);
        writer.Write((byte)ErrorFunction);
        writer.Write(ExpectedValue);
        writer.Write(_model is not null);
        if (_model is null)
        {
            writer.Write(_trainingCount);
            for (int i = 0; i < _trainingCount; i++)
            {
                writer.Write(_training[i]);
            }
        }
        else
        {
            _model.WriteState(writer);
        }
    }

    public static SsaDetectorCore ReadState(BinaryReader reader)
    {
        int trainingWindowSize = reader.ReadInt32();
        int seasonalityWindowSize = reader.ReadInt32();
        var errorFunction = (ErrorFunction)reader.ReadByte();
        if (seasonalityWindowSize < 2 || trainingWindowSize <= 2L * seasonalityWindowSize || !Enum.IsDefined(errorFunction))
        {
            throw new InvalidDataException("SSA detector state is inconsistent.");
        }

        double expected = reader.ReadDouble();
        if (reader.ReadBoolean())
        {
            var model = SsaModel.ReadState(reader, seasonalityWindowSize);
            return new SsaDetectorCore(trainingWindowSize, seasonalityWindowSize, errorFunction, model) { ExpectedValue = expected };
        }

        int count = reader.ReadInt32();
        if (count < 0 || count >= trainingWindowSize)
        {
            throw new InvalidDataException("SSA training buffer state is inconsistent.");
        }

        var core = new SsaDetectorCore(trainingWindowSize, seasonalityWindowSize, errorFunction) { ExpectedValue = expected };
        for (int i = 0; i < count; i++)
        {
            core._training[i] = reader.ReadSingle();
        }

        core._trainingCount = count;
        return core;
    }

    private void Train()
    {
        var series = new double[TrainingWindowSize];
        for (int i = 0; i < series.Length; i++)
        {
            series[i] = _training[i];
        }

        _model = SsaModel.Train(series, SeasonalityWindowSize, SeasonalityWindowSize / 2, fixedRank: null, stabilize: false, double.PositiveInfinity);
        _training = [];
    }
}
