using VitalTwin.Export;

// ./build.sh --target=Export --from=<time> --to=<time> [--out=<dir>]. Kafka and InfluxDB come from configuration,
// the pseudonym key from Export:PseudonymKey (environment variable Export__PseudonymKey), never from the command line.
// Ctrl-C and SIGTERM stop the host's lifetime, which cancels the export and removes its partial output.
return await ExportApplication.RunAsync(args, Console.Out, Console.Error, configure: null, CancellationToken.None);
