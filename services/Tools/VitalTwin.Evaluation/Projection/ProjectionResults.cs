using VitalTwin.Clinical;
using VitalTwin.Evaluation.Families;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.Evaluation.Projection;

/// <summary>What the projection evaluation counted, per seed role, family, model, vital (or NEWS2) and horizon.</summary>
public sealed class ProjectionResults
{
    private readonly Dictionary<(SeedRole Role, string Family, ProjectionModel Model, VitalSign Sign, int Horizon), VitalErrors> _vitals = [];
    private readonly Dictionary<(SeedRole Role, string Family, ProjectionModel Model, int Horizon), BandAgreement> _bands = [];

    public List<(string Family, long Seed, SeedRole Role)> Runs { get; } = [];

    public IEnumerable<string> Families => Runs.Select(r => r.Family).Distinct(StringComparer.Ordinal);

    public IEnumerable<VitalSign> Signs => _vitals.Keys.Select(k => k.Sign).Distinct().Order();

    internal VitalErrors Vital(FamilySeed run, ProjectionModel model, VitalSign sign, int horizon) =>
        GetOrAdd(_vitals, (run.Role, run.Family, model, sign, horizon));

    internal BandAgreement Band(FamilySeed run, ProjectionModel model, int horizon) =>
        GetOrAdd(_bands, (run.Role, run.Family, model, horizon));

    /// <summary>Over the families given (every family when null).</summary>
    public VitalErrors Vital(SeedRole role, ProjectionModel model, VitalSign sign, int horizon, string? family = null) =>
        VitalErrors.Sum(_vitals.Where(e => e.Key.Role == role && e.Key.Model == model && e.Key.Sign == sign && e.Key.Horizon == horizon && (family is null || e.Key.Family == family)).Select(e => e.Value));

    /// <summary>Every vital together (coverage only: errors in different units do not add up).</summary>
    public VitalErrors AllVitals(SeedRole role, ProjectionModel model, int horizon) =>
        VitalErrors.Sum(_vitals.Where(e => e.Key.Role == role && e.Key.Model == model && e.Key.Horizon == horizon).Select(e => e.Value));

    public BandAgreement Band(SeedRole role, ProjectionModel model, int horizon, string? family = null) =>
        BandAgreement.Sum(_bands.Where(e => e.Key.Role == role && e.Key.Model == model && e.Key.Horizon == horizon && (family is null || e.Key.Family == family)).Select(e => e.Value));

    private static TValue GetOrAdd<TKey, TValue>(Dictionary<TKey, TValue> tallies, TKey key)
        where TKey : notnull
        where TValue : new() =>
        tallies.TryGetValue(key, out var tally) ? tally : tallies[key] = new TValue();
}

/// <summary>One vital's projections at one horizon against what happened, beside the naive forecast.</summary>
public sealed class VitalErrors
{
    public int Count { get; private set; }

    public double ProjectedAbsoluteError { get; private set; }

    public double NaiveAbsoluteError { get; private set; }

    /// <summary>Projections that had an 80 % interval (enough forecasts checked), and how many of them held what happened.</summary>
    public int WithInterval { get; private set; }

    public int Covered { get; private set; }

    public double ProjectedMae => ProjectedAbsoluteError / Count;

    public double NaiveMae => NaiveAbsoluteError / Count;

    /// <summary>1 − MAE(projection) / MAE(naive): above 0 the projection is the better guess, below 0 the worse.</summary>
    public double Skill => 1 - (ProjectedAbsoluteError / NaiveAbsoluteError);

    public double Coverage => (double)Covered / WithInterval;

    public void Add(ProjectedValue projected, bool hasInterval, double naive, double actual)
    {
        Count++;
        ProjectedAbsoluteError += Math.Abs(projected.Value - actual);
        NaiveAbsoluteError += Math.Abs(naive - actual);
        if (hasInterval)
        {
            WithInterval++;
            Covered += projected.Lower <= actual && actual <= projected.Upper ? 1 : 0;
        }
    }

    public static VitalErrors Sum(IEnumerable<VitalErrors> parts)
    {
        var sum = new VitalErrors();
        foreach (var part in parts)
        {
            sum.Count += part.Count;
            sum.ProjectedAbsoluteError += part.ProjectedAbsoluteError;
            sum.NaiveAbsoluteError += part.NaiveAbsoluteError;
            sum.WithInterval += part.WithInterval;
            sum.Covered += part.Covered;
        }

        return sum;
    }
}

/// <summary>The projected NEWS2 band at one horizon against the band of what happened, beside the band now.</summary>
public sealed class BandAgreement
{
    public int Count { get; private set; }

    public int ProjectedAgreed { get; private set; }

    public int NaiveAgreed { get; private set; }

    /// <summary>Questions after which the band did change (what happened differs from the band now).</summary>
    public int Changed { get; private set; }

    /// <summary>Of those, how many the projection had right.</summary>
    public int ProjectedAgreedWhenChanged { get; private set; }

    public void Add(News2Risk projected, News2Risk now, News2Risk happened)
    {
        Count++;
        ProjectedAgreed += projected == happened ? 1 : 0;
        NaiveAgreed += now == happened ? 1 : 0;
        if (now != happened)
        {
            Changed++;
            ProjectedAgreedWhenChanged += projected == happened ? 1 : 0;
        }
    }

    public static BandAgreement Sum(IEnumerable<BandAgreement> parts)
    {
        var sum = new BandAgreement();
        foreach (var part in parts)
        {
            sum.Count += part.Count;
            sum.ProjectedAgreed += part.ProjectedAgreed;
            sum.NaiveAgreed += part.NaiveAgreed;
            sum.Changed += part.Changed;
            sum.ProjectedAgreedWhenChanged += part.ProjectedAgreedWhenChanged;
        }

        return sum;
    }
}
