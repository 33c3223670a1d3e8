namespace Kiln.Pipeline;

public sealed record PlannedStep(string Name, Stage Stage);
