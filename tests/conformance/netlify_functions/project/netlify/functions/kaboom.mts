export default async () => {
  throw new Error("kaboom");
};
