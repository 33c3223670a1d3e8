namespace Kiln.Model;

public sealed record PlannedStep(string Name, Stage Stage);
