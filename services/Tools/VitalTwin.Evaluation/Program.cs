using VitalTwin.Clinical;
using VitalTwin.Evaluation;
using VitalTwin.Evaluation.Families;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Evaluation.Projection;
using VitalTwin.Evaluation.Recordings;
using VitalTwin.Evaluation.Reporting;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

try
{
    var options = EvaluationOptions.Parse(args);
    var shipped = ShippedConfiguration.Load();
    using var cancellation = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancellation.Cancel();
    };

    // Only the headline lines start with "Evaluation ": the build copies those into its summary.
    if (options.Mode == EvaluationMode.Families)
    {
        var plan = EvaluationPlan.Load(options.Input);
        var output = options.Output ?? Path.Combine("artifacts", "evaluation", "families");
        var families = FamilyEvaluation.Run(plan, options.Family, shipped, options.Run, options.Rules, output, Console.Out, cancellation.Token);
        var report = FamilyReport.Write(families, output);
        Console.WriteLine($"Evaluate: families report at {report}");
        foreach (var line in families.HeadlineLines())
        {
            Console.WriteLine(line);
        }
        return 0;
    }

    if (options.Mode == EvaluationMode.Projection)
    {
        var output = options.Output ?? Path.Combine("artifacts", "evaluation", "projection");
        var projections = ProjectionEvaluation.Run(EvaluationPlan.Load(options.Input), options.Family, shipped, Console.Out, cancellation.Token);
        Console.WriteLine($"Evaluate: projection report at {ProjectionReport.Write(projections, output)}");
        foreach (var line in ProjectionReport.HeadlineLines(projections))
        {
            Console.WriteLine(line);
        }
        return 0;
    }

    RunResult run;
    if (options.Mode == EvaluationMode.Replay)
    {
        var ward = RecordedWard.Load(options.Input, options.Labels!, options.Patients, VitalCatalogue.Default);
        Console.WriteLine(FormattableString.Invariant(
            $"Evaluate: recording {ward.Cohort.Name}, {ward.Cohort.Patients.Count} patients over {ward.Cohort.Duration.TotalHours:0.#} h, {ward.Recording.Count} readings, {ward.Events.Count} labelled events"));
        run = EvaluationRun.Replay(ward, shipped, options.Run, Console.Out, cancellation.Token);
    }
    else
    {
        var scenario = ScenarioLoader.Load(options.Input);
        var simulation = new WardSimulation(scenario);
        Console.WriteLine(FormattableString.Invariant(
            $"Evaluate: scenario {scenario.Name}, {simulation.Patients.Count} patients for {scenario.Duration.TotalHours:0.#} h, {simulation.Events.Count} clinical events, {simulation.Artifacts.Count} artifact episodes"));
        run = EvaluationRun.Execute(simulation, shipped, options.Run, Console.Out, cancellation.Token);
    }
    var results = EvaluationResults.From(run, shipped, options.Rules);
    var directory = options.Output ?? Path.Combine("artifacts", "evaluation", run.Cohort.Name);
    var written = ReportWriter.Write(results, run, directory);
    Console.WriteLine($"Evaluate: report at {written}");
    foreach (var line in results.HeadlineLines())
    {
        Console.WriteLine(line);
    }
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException or IOException or ScenarioValidationException or Microsoft.Extensions.Options.OptionsValidationException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Evaluation cancelled.");
    return 2;
}
