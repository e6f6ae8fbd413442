using VitalTwin.Evaluation;
using VitalTwin.Evaluation.Pipeline;
using VitalTwin.Evaluation.Reporting;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

try
{
    var options = EvaluationOptions.Parse(args);
    var scenario = ScenarioLoader.Load(options.ScenarioPath);
    var shipped = ShippedConfiguration.Load();
    var simulation = new WardSimulation(scenario);
    Console.WriteLine(FormattableString.Invariant(
        $"Evaluate: scenario {scenario.Name}, {simulation.Patients.Count} patients for {scenario.Duration.TotalHours:0.#} h, {simulation.Events.Count} clinical events, {simulation.Artifacts.Count} artifact episodes"));

    using var cancellation = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancellation.Cancel();
    };
    var run = EvaluationRun.Execute(simulation, shipped, options.Run, Console.Out, cancellation.Token);
    var results = EvaluationResults.From(run, shipped, options.Rules);
    var output = options.Output ?? Path.Combine("artifacts", "evaluation", scenario.Name);
    var report = ReportWriter.Write(results, run, output);
    foreach (var line in results.HeadlineLines())
    {
        Console.WriteLine(line);
    }
    Console.WriteLine($"Evaluation {scenario.Name}: report at {report}");
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
