export default function Home() {
  return <p>fixture b</p>;
}
