using System.Diagnostics;
using System.Globalization;
using VitalTwin.Clinical;
using VitalTwin.Evaluation.Families;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Core.Forecasting;

namespace VitalTwin.Evaluation.Projection;

/// <summary>
/// The twin's projection (TwinWhatIf.Project) against what happened next: every family with every seed plays through
/// the services' pipeline, and every <see cref="AskEvery"/> each twin is asked for its projection 30, 60 and 120 min
/// ahead. Each projected vital is compared with the mean of the patient's readings (those the Gateway accepts and the
/// device did not flag) within <see cref="TruthHalfWindow"/> of the target time, beside the naive forecast that the
/// value scored now holds; the projected NEWS2 band with the band those means score. Tuning seeds also try other
/// <see cref="ProjectionModel"/>s; report seeds run the shipped one only.
/// </summary>
public static class ProjectionEvaluation
{
    public static readonly TimeSpan AskEvery = TimeSpan.FromMinutes(15);

    /// <summary>No question in the first hour: the twin has had no time to learn a trend or check a forecast.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromHours(1);

    public static readonly TimeSpan TruthHalfWindow = TimeSpan.FromMinutes(5);

    public static readonly IReadOnlyList<TimeSpan> Horizons = [TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(120)];

    /// <summary>The shipped model first, then the alternatives the tuning seeds weigh it against.</summary>
    public static readonly IReadOnlyList<ProjectionModel> TuningModels =
    [
        ProjectionModel.Default,
        .. from follows in new[] { false, true }
           from minutes in new[] { 0, 5, 10, 15, 30, 60, 100_000 }
           from exponent in new[] { 0.25, 0.5, 0.75, 1.0 }
           let model = new ProjectionModel(TimeSpan.FromMinutes(minutes), exponent, follows)
           where model != ProjectionModel.Default
           select model,
    ];

    public static ProjectionResults Run(EvaluationPlan plan, string? family, ShippedConfiguration shipped, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(shipped);
        ArgumentNullException.ThrowIfNull(progress);
        var runs = plan.Runs(family);
        var results = new ProjectionResults();
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var models = run.Role == SeedRole.Tuning ? TuningModels : [ProjectionModel.Default];
            var clock = Stopwatch.StartNew();
            var asked = Play(run, shipped, models, results, cancellationToken);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Evaluate: projection, family {run.Family}, seed {run.Seed} ({(run.Role == SeedRole.Tuning ? "tuning" : "report")}), run {i + 1} of {runs.Count}: {asked} projections asked in {clock.Elapsed.TotalSeconds:0.0} s"));
        }

        results.Runs.AddRange(runs.Select(r => (r.Family, r.Seed, r.Role)));
        return results;
    }

    private static int Play(FamilySeed run, ShippedConfiguration shipped, IReadOnlyList<ProjectionModel> models, ProjectionResults results, CancellationToken cancellationToken)
    {
        var simulation = new WardSimulation(run.Scenario);
        var pipeline = new WardPipeline(simulation.DeviceBindings, shipped, [new PolicyVariant("VitalTwin", shipped.Detection, shipped.Policy)], simulation.Catalogue);
        var start = run.Scenario.Start;
        var end = start + run.Scenario.Duration;
        var clocks = new PipelineClocks(pipeline, shipped, start);
        var question = new ProjectionQuestion(Horizons[^1], TimeSpan.FromMinutes(30));
        var truth = new Dictionary<(string Patient, int Grid, VitalSign Sign), (double Sum, int Count)>();
        var latest = simulation.Patients.ToDictionary(p => p.Id, _ => NewValues(), StringComparer.Ordinal);
        var latestAtGrid = new Dictionary<(string Patient, int Grid), double[]>();
        var asks = new List<Ask>();

        var grid = 1;
        long readings = 0;
        foreach (var reading in simulation.Readings())
        {
            while (reading.ObservedAt >= At(grid))
            {
                clocks.RunUntil(At(grid));
                AskAll(grid++);
            }

            clocks.RunUntil(reading.ObservedAt);
            pipeline.Observe(reading);
            var check = simulation.Catalogue.Check(simulation.Catalogue[reading.Vital].Loinc, null, reading.Value, reading.Unit);
            if (check.IsAccepted && !reading.Quality.IsArtifact())
            {
                var sign = check.Definition!.Sign;
                latest[reading.PatientId][(int)sign] = check.CanonicalValue;
                var nearest = (int)Math.Round((reading.ObservedAt - start) / AskEvery);
                if ((reading.ObservedAt - At(nearest)).Duration() <= TruthHalfWindow)
                {
                    var key = (reading.PatientId, nearest, sign);
                    var (sum, count) = truth.GetValueOrDefault(key);
                    truth[key] = (sum + check.CanonicalValue, count + 1);
                }
            }

            if ((++readings & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        while (At(grid) <= end)
        {
            clocks.RunUntil(At(grid));
            AskAll(grid++);
        }

        foreach (var ask in asks)
        {
            Judge(ask);
        }

        return asks.Count * models.Count;

        DateTimeOffset At(int index) => start + (AskEvery * index);

        void AskAll(int index)
        {
            foreach (var (patientId, values) in latest)
            {
                latestAtGrid[(patientId, index)] = [.. values];
                if (At(index) - start < WarmUp || !pipeline.Twins.TryGet(patientId, out var twin))
                {
                    continue;
                }

                var snapshot = twin!.Snapshot();
                if (snapshot.AsOf is null)
                {
                    continue;
                }

                asks.Add(new Ask(patientId, index, snapshot, [.. models.Select(m => TwinProjection.Project(snapshot, question, shipped.Twin, m))]));
            }
        }

        void Judge(Ask ask)
        {
            for (var h = 0; h < Horizons.Count; h++)
            {
                var target = ask.Grid + (int)(Horizons[h] / AskEvery);
                if (At(target) + TruthHalfWindow > end)
                {
                    continue;
                }

                // NEWS2 of what happened: each vital's mean around the target, or its latest reading before it.
                var happened = latestAtGrid[(ask.Patient, target)];
                foreach (var sign in Enum.GetValues<VitalSign>())
                {
                    if (truth.TryGetValue((ask.Patient, target, sign), out var window))
                    {
                        happened[(int)sign] = window.Sum / window.Count;
                    }
                }

                var actualBand = News2.Score(Observations(ask.Twin.Context, happened)).Risk;
                for (var m = 0; m < ask.Projections.Count; m++)
                {
                    var projected = ask.Projections[m];
                    var step = (int)(Horizons[h] / question.Step);
                    results.Band(run, models[m], h).Add(projected.News2[step].Risk, projected.News2[0].Risk, actualBand);
                    foreach (var vital in projected.Vitals)
                    {
                        var status = ask.Twin.Vitals[vital.Sign];
                        if (status.IsStale || !truth.TryGetValue((ask.Patient, target, vital.Sign), out var actual))
                        {
                            continue;
                        }

                        results.Vital(run, models[m], vital.Sign, h).Add(vital.Points[step], vital.HasInterval, status.ScoredValue, actual.Sum / actual.Count);
                    }
                }
            }
        }
    }

    private static double[] NewValues()
    {
        var values = new double[Enum.GetValues<VitalSign>().Max(s => (int)s) + 1];
        Array.Fill(values, double.NaN);
        return values;
    }

    private static News2Observations Observations(PatientContext context, double[] values)
    {
        double? Known(VitalSign sign) => double.IsNaN(values[(int)sign]) ? null : values[(int)sign];
        return new(
            Known(VitalSign.RespiratoryRate),
            Known(VitalSign.OxygenSaturation),
            context.OnSupplementalOxygen,
            Known(VitalSign.SystolicBloodPressure),
            Known(VitalSign.HeartRate),
            context.Consciousness,
            Known(VitalSign.BodyTemperature),
            context.SpO2Scale);
    }

    private sealed record Ask(string Patient, int Grid, TwinSnapshot Twin, IReadOnlyList<ProjectedTwin> Projections);
}
