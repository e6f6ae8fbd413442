namespace VitalTwin.Detection;

/// <summary>
/// A patient's own normal for one vital: a level and a typical deviation that adapt slowly. Each reading
/// moves them by a small step, with the reading's deviation clipped at three typical deviations, so one
/// wild value cannot drag the baseline; callers feed it only readings that were neither artifacts nor
/// anomalies.
/// </summary>
public sealed class PersonalBaseline
{
    // About ten minutes of 1 Hz readings dominate the estimate.
    private const double Rate = 1.0 / 600;
    // Until this many readings the plain mean and mean absolute deviation are used, so the estimate settles fast.
    private const int WarmUp = 30;
    private const double Clip = 3;

    public double Level { get; private set; } = double.NaN;

    /// <summary>Mean absolute deviation around <see cref="Level"/>.</summary>
    public double Spread { get; private set; } = double.NaN;

    public long Count { get; private set; }

    public bool IsEstablished => Count >= WarmUp;

    public void Add(double value)
    {
        Count++;
        if (Count == 1)
        {
            Level = value;
            Spread = 0;
            return;
        }
        var deviation = value - Level;
        if (Count <= WarmUp)
        {
            Level += deviation / Count;
            Spread += (Math.Abs(value - Level) - Spread) / Count;
            return;
        }
        var limit = Clip * Math.Max(Spread, 1e-9);
        var clipped = Math.Clamp(deviation, -limit, limit);
        Level += Rate * clipped;
        Spread += Rate * (Math.Abs(clipped) - Spread);
    }

    public void Reset()
    {
        Level = double.NaN;
        Spread = double.NaN;
        Count = 0;
    }

    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Level);
        writer.Write(Spread);
        writer.Write(Count);
    }

    public static PersonalBaseline Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new() { Level = reader.ReadDouble(), Spread = reader.ReadDouble(), Count = reader.ReadInt64() };
    }
}
