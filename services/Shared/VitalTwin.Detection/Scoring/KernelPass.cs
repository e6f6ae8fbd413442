namespace VitalTwin.Detection;

// What one pass over the window gives the kernel p-value; see ScoreWindow.Pass.
internal readonly record struct KernelPass(double NegatedErfSum, double SumSquaredDist, double ScoreSum);
