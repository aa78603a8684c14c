// A list that draws only the rows in view (plus a margin), so a run with 10,000 events scrolls as
// smoothly as one with ten. Rows have a fixed height; the window math is pure and tested.

export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, total: number, overscan = 10): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(viewport / rowHeight);
  return { start: Math.max(0, first - overscan), end: Math.min(total, first + count + overscan) };
}

export class VirtualList<T> {
  private items: T[] = [];
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private frame = 0;
  private drawn = { start: -1, end: -1 };

  constructor(
    private readonly viewport: HTMLElement,
    private readonly rowHeight: number,
    private readonly render: (item: T, index: number) => HTMLElement,
  ) {
    viewport.classList.add('vlist');
    this.spacer = document.createElement('div');
    this.rows = document.createElement('div');
    this.rows.className = 'vlist-rows';
    this.spacer.appendChild(this.rows);
    viewport.replaceChildren(this.spacer);
    viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(viewport);
  }

  get length(): number {
    return this.items.length;
  }

  set(items: T[]): void {
    this.items = items;
    this.drawn = { start: -1, end: -1 };
    this.draw();
  }

  append(items: readonly T[]): void {
    const atBottom = this.viewport.scrollTop + this.viewport.clientHeight >= this.viewport.scrollHeight - this.rowHeight * 2;
    this.items.push(...items);
    this.drawn = { start: -1, end: -1 };
    this.draw();
    if (atBottom) this.viewport.scrollTop = this.viewport.scrollHeight;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  draw(): void {
    this.spacer.style.height = `${this.items.length * this.rowHeight}px`;
    const { start, end } = visibleRange(this.viewport.scrollTop, this.viewport.clientHeight || 600, this.rowHeight, this.items.length);
    if (start === this.drawn.start && end === this.drawn.end) return;
    this.drawn = { start, end };
    this.rows.style.transform = `translateY(${start * this.rowHeight}px)`;
    const out: HTMLElement[] = [];
    for (let i = start; i < end; i++) out.push(this.render(this.items[i]!, i));
    this.rows.replaceChildren(...out);
  }
}
