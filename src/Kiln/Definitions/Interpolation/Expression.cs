namespace Kiln.Definitions.Interpolation;

/// <summary>An expression inside <c>{{ }}</c>. <see cref="Offset"/> is its position in the template text, for error locations.</summary>
internal abstract record Expression(int Offset);

/// <summary>A dotted reference such as <c>var.region</c> or <c>image.base.artifact.qcow2</c>.</summary>
internal sealed record ReferenceExpression(IReadOnlyList<string> Path, int Offset) : Expression(Offset)
{
    public override string ToString() => string.Join('.', Path);
}

/// <summary>A function call such as <c>lower(var.name)</c>; a bare <c>timestamp</c> is a call without arguments.</summary>
internal sealed record CallExpression(string Function, IReadOnlyList<Expression> Arguments, int Offset) : Expression(Offset);

internal sealed record LiteralExpression(Value Value, int Offset) : Expression(Offset);

/// <summary>One piece of a template: literal text, or an expression to evaluate.</summary>
internal abstract record TemplatePart;

internal sealed record TextPart(string Text) : TemplatePart;

internal sealed record ExpressionPart(Expression Expression) : TemplatePart;
